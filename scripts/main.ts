import { loadChannelConfig } from '@brokerbot/channels';
import { ConfigError, createLogger, loadConfig } from '@brokerbot/shared';
import { startSystem } from './system';

/** Process entry: validate config, start the roles, stop cleanly on SIGINT/SIGTERM. */
async function main() {
  let config;
  try {
    config = loadConfig();
    loadChannelConfig(process.env, { demoMode: config.DEMO_MODE });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const system = await startSystem(config, { logger });
  if (system.url) {
    const lines = [
      '',
      `  BrokerBot is running (roles: ${config.ROLES.join(', ')})`,
      `  Trading-app chat (client):  ${system.url}/app/`,
      `  Agent console (advisors):   ${system.url}/console/`,
      `  Health / metrics:           ${system.url}/readyz  ${system.url}/metrics`,
    ];
    if (system.channels.simulators) lines.push(`  WeCom / mini-program client (simulated): ${system.url}/sim/`);
    if (config.DEMO_MODE)
      lines.push(
        '  Demo advisors: wang.fang, li.qiang (SH01), zhang.min, chen.jie (SZ01); supervisor zhao.lei; password demo1234',
      );
    console.log(lines.join('\n') + '\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
