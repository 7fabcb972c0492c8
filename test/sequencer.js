// The order jest's workers take test files in. A few integration files spend most of their minutes
// waiting (a killed worker's heartbeat timeout, health timeouts, monitor windows), not computing: on
// two cores one needs about a quarter of a core, a busy file about a whole one. Jest's longest-first
// order started all four of them at once and left the cores half idle for the run's first minutes.
// Those files say so in their leading comment (`@mostly-waits`); each is followed by two busy files,
// so about half the workers wait at any time; within each kind, jest's own order (failed first, then
// longest first when it knows, else largest) decides.
const fs = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const MOSTLY_WAITS = /^\/\*\*[\s\S]*?@mostly-waits\b[\s\S]*?\*\//;
const BUSY_AFTER_EACH_WAITING = 2;

class WaitingBesideBusy extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const waits = (test) => MOSTLY_WAITS.test(fs.readFileSync(test.path, 'utf8').slice(0, 2000));
    const waiting = ordered.filter(waits);
    const busy = ordered.filter((test) => !waiting.includes(test));
    const paired = waiting.flatMap((test, index) => [test, ...busy.slice(index * BUSY_AFTER_EACH_WAITING, (index + 1) * BUSY_AFTER_EACH_WAITING)]);
    return [...paired, ...busy.slice(waiting.length * BUSY_AFTER_EACH_WAITING)];
  }
}

module.exports = WaitingBesideBusy;
