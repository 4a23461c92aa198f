import { Command, InvalidArgumentError } from 'commander';
import { DEFAULTS, resolveConfig } from '../server/config.js';
import { runDemo } from './demo.js';
import { runDoctor } from './doctor.js';
import { runServe } from './serve.js';

const parsePort = (value: string) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('not a port number');
  return port;
};

const program = new Command()
  .name('bosun')
  .description('Self-hosted platform for AI agents, compatible with the Claude Managed Agents API.');

program
  .command('serve')
  .description('run the API server, brain and hands in one process')
  .option('--host <host>', `address to listen on (default ${DEFAULTS.host})`)
  .option('--port <port>', `port to listen on (default ${DEFAULTS.port})`, parsePort)
  .option('--data-dir <dir>', `where the database, API key and workspaces live (default ${DEFAULTS.dataDir})`)
  .action(async (options: { host?: string; port?: number; dataDir?: string }) => {
    await runServe(resolveConfig(options));
  });

program
  .command('doctor')
  .description('check this machine: Node version, SQLite, sandbox isolation')
  .option('--data-dir <dir>', `data directory to check (default ${DEFAULTS.dataDir})`)
  .action(async (options: { dataDir?: string }) => {
    process.exitCode = await runDoctor(resolveConfig(options));
  });

program
  .command('demo')
  .description('run one session end to end offline: a scripted stand-in model, a real sandbox, the official SDK')
  .option('--message <text>', 'what the user says', 'Show me where you are running.')
  .option('--unsandboxed', 'run tools without bubblewrap (development only)')
  .action(async (options: { message: string; unsandboxed?: boolean }) => {
    process.exitCode = await runDemo({
      message: options.message,
      sandbox: options.unsandboxed ? 'local' : 'bubblewrap',
    });
  });

await program.parseAsync(process.argv);
