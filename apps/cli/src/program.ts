import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import type { CliIo } from './io';
import { DEFAULT_ADMIN_URL, DEFAULT_PRODUCER_URL } from './settings';
import { deadLettersCommand } from './commands/dead-letters';
import { doctorCommand } from './commands/doctor';
import { eventsCommand } from './commands/events';
import { sendCommand } from './commands/send';
import { subscriptionsCommand } from './commands/subscriptions';
import { tailCommand } from './commands/tail';

const VERSION = '0.1.0';

const ENVIRONMENT_HELP = `
Environment (flags win):
  ORDERBUS_ADMIN_URL      --admin-url     (default ${DEFAULT_ADMIN_URL})
  ORDERBUS_ADMIN_TOKEN    --token         an admin token (viewer reads, operator acts) or an owner's obr_<baseCode>.<secret>
  ORDERBUS_PRODUCER_URL   --producer-url  (default ${DEFAULT_PRODUCER_URL})
  ORDERBUS_PRODUCER_KEY   --producer-key
  ORDERBUS_REDIS_URL      doctor --redis-url

Exit codes: 0 ok, 1 failure (an API error, a failed check), 2 usage error.

Examples:
  orderbus subscriptions list --token dev-admin-token
  orderbus tail --subscription DEMO --max 10
  orderbus dead-letters replay HRZDWYWHXT --since 2h
  orderbus doctor --redis-url redis://127.0.0.1:6390`;

/** The `orderbus` command tree, writing to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('orderbus')
    .description('Operate an orderbus deployment: subscriptions, dead letters, events, live deliveries, health checks.')
    .version(VERSION, '-V, --version')
    .option('--admin-url <url>', 'the admin API (env ORDERBUS_ADMIN_URL)')
    .option('--token <token>', 'admin token or registration credential (env ORDERBUS_ADMIN_TOKEN)')
    .option('--producer-url <url>', 'the producer (env ORDERBUS_PRODUCER_URL)')
    .option('--producer-key <key>', 'a producer key (env ORDERBUS_PRODUCER_KEY)')
    .option('--json', 'print JSON (one document; `tail` prints one JSON object per line)')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const command of [
    subscriptionsCommand(io),
    deadLettersCommand(io),
    eventsCommand(io),
    tailCommand(io),
    sendCommand(io),
    doctorCommand(io),
  ]) {
    program.addCommand(command);
  }
  // Every sub-command shares the settings of the program: errors and help go through io, usage errors exit 2.
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) }).showHelpAfterError('(run with --help for usage)');
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/**
 * Runs `orderbus <argv>` and resolves with the exit code; never calls
 * process.exit, so tests run commands in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a command group without its sub-command prints its help as a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof CliError) {
      if (err.message) {
        io.stderr.write(`orderbus: ${err.message}\n`);
        if (json) io.stdout.write(`${JSON.stringify((err.body as object | undefined) ?? { error: { code: err.exitCode === EXIT_USAGE ? 'usage' : 'failed', message: err.message } }, null, 2)}\n`);
      }
      return err.exitCode;
    }
    io.stderr.write(`orderbus: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}
