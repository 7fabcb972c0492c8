// Entry point bundled for the worker: every workflow the deployer registers.
export * from './componentStack';
