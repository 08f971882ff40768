import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { createAdapter } from '@socket.io/redis-adapter';
import express, { type Express } from 'express';
import { Server } from 'socket.io';
import { createRedis, socketIoKey, type Services } from '@brokerbot/shared';
import { mountClientNamespace } from './app/client-namespace';
import { demoRoutes } from './app/demo-routes';
import type { ChannelSet } from './channel-set';
import { healthRoutes } from './health-routes';
import { startMessageMedia, type VerifyAdvisor } from './media';

export interface Gateway {
  app: Express;
  http: HttpServer;
  io: Server;
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

export const PUBLIC_DIR = path.join(__dirname, '..', 'public');

export interface GatewayOptions {
  /** Verifies an advisor's bearer token (the console's); enables GET /api/advisor/messages/:id/media. */
  verifyAdvisor?: VerifyAdvisor;
}

/**
 * The one HTTP port: channel endpoints, the trading app's chat namespace, health and
 * metrics. Other packages (the agent console) mount their routes and namespaces on it.
 * Socket.IO uses the Redis adapter so that workers in any process can emit to its sockets.
 * `channels` adds the WeCom / mini-program callback endpoints (and, in demo mode, /sim/).
 */
export function createGateway(services: Services, channels?: ChannelSet, options: GatewayOptions = {}): Gateway {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const http = createServer(app);
  const pub = createRedis(services.config.REDIS_URL, 'sio-pub');
  const sub = pub.duplicate({ connectionName: 'sio-sub' });
  const io = new Server(http, {
    adapter: createAdapter(pub, sub, { key: socketIoKey(services.config.QUEUE_PREFIX) }),
    maxHttpBufferSize: 64 * 1024,
    serveClient: true,
    connectionStateRecovery: undefined,
  });

  const simLink = channels?.simulators ? '<li><a href="/sim/">企业微信客服 / 小程序 客户模拟器（演示）</a></li>' : '';
  app.get('/', (_req, res) => {
    res
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><title>BrokerBot</title><h1>BrokerBot 智能客服</h1>' +
          '<ul><li><a href="/app/">交易App客服（客户端）</a></li><li><a href="/console/">坐席工作台（顾问/督导）</a></li>' +
          simLink +
          '<li><a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a></li></ul>',
      );
  });
  app.use(healthRoutes(services));
  if (services.config.DEMO_MODE) app.use(demoRoutes(services));
  app.use('/app', express.static(path.join(PUBLIC_DIR, 'app')));
  // Helpers shared by the build-free pages (the app's chat and the agent console).
  app.use('/common', express.static(path.join(PUBLIC_DIR, 'common')));
  channels?.mount(app, io, PUBLIC_DIR);
  // Files clients send on WeCom / the mini-program: downloaded and kept, served to advisors.
  const media = channels ? startMessageMedia(services, channels, options.verifyAdvisor) : null;
  if (media?.router) app.use(media.router);
  const clients = mountClientNamespace(io, services);

  return {
    app,
    http,
    io,
    listen: (port) =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, () => {
          const address = http.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    async close() {
      await media?.stop();
      clients.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
