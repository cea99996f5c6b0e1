/**
 * @orderbus/cli — `orderbus`, the command line for operating an orderbus
 * deployment. `runCli` runs a command line in-process (tests use it).
 */
export { runCli, buildProgram } from './program';
export { processIo, type CliIo } from './io';
export { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
