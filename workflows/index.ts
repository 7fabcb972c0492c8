// Entry point bundled for the worker: every workflow the deployer registers.
export * from './deployService';
export * from './deployStack';
export * from './drift';
export * from './forcedUnlock';
export * from './releaseReads';
export * from './runTests';
