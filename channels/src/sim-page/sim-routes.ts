import path from 'node:path';
import express, { Router, json } from 'express';
import type { Services } from '@brokerbot/shared';
import type { DemoSimulators } from '../simulators';
import { clientTranscript, type SimChannel } from './sim-transcript';

const CHANNELS: readonly SimChannel[] = ['wecom', 'miniprogram'];
const KINDS = ['text', 'image', 'file'] as const;

/** The simulated client of a demo customer on each platform (external_userid / openid). */
export function simUserId(channel: SimChannel, customerId: string): string {
  return channel === 'wecom' ? `wmDemo${customerId}` : `oDemo${customerId}`;
}

/**
 * Demo mode only: /sim/ lets a newcomer play a client on WeCom 微信客服 or in the mini-program.
 * Each action makes the simulator do what Tencent does (store the message, call our callback
 * URL, encrypted and signed); the page then shows what the kf account / mini-program sent back,
 * read from the simulator's log. The simulated client is bound to the chosen demo customer, as
 * the brokerage would bind a WeCom or mini-program identity after the client logs in.
 */
export function simRoutes(services: Pick<Services, 'db'>, sims: DemoSimulators, publicDir: string): Router {
  const router = Router();
  router.use('/sim', express.static(path.join(publicDir, 'sim')));

  const target = async (channelParam: string, customerId: unknown) => {
    const channel = CHANNELS.find((c) => c === channelParam);
    if (!channel) return { error: '未知渠道' } as const;
    if (typeof customerId !== 'string' || !customerId) return { error: '请选择客户' } as const;
    const customer = await services.db.Customer.findById(customerId, { identities: 1 }).lean();
    if (!customer) return { error: `没有客户 ${customerId}` } as const;
    const user = simUserId(channel, customerId);
    if (!customer.identities.some((i) => i.channel === channel && i.externalId === user)) {
      await services.db.Customer.updateOne({ _id: customerId }, { $push: { identities: { channel, externalId: user } } });
    }
    return { channel, user } as const;
  };

  router.post('/api/sim/:channel/enter', json({ limit: '4kb' }), async (req, res) => {
    const t = await target(req.params.channel, req.body?.customerId);
    if ('error' in t) return void res.status(400).json({ error: t.error });
    if (t.channel === 'wecom') await sims.kf.simulateEnterSession({ externalUserId: t.user });
    else await sims.miniprogram.simulateEnterSession({ openId: t.user, sessionFrom: 'sim-page' });
    res.json({ ok: true });
  });

  router.post('/api/sim/:channel/message', json({ limit: '16kb' }), async (req, res) => {
    const t = await target(req.params.channel, req.body?.customerId);
    if ('error' in t) return void res.status(400).json({ error: t.error });
    const kind = KINDS.find((k) => k === req.body?.kind) ?? 'text';
    const text = typeof req.body?.text === 'string' ? req.body.text.trim().slice(0, 2000) : '';
    const menuId = typeof req.body?.menuId === 'string' ? req.body.menuId.slice(0, 64) : undefined;
    if (kind === 'text' && !text) return void res.status(400).json({ error: '消息不能为空' });
    if (t.channel === 'wecom') {
      await sims.kf.simulateClientMessage(
        kind === 'text' ? { externalUserId: t.user, text, menuId } : { externalUserId: t.user, msgtype: kind },
      );
    } else if (kind === 'file') {
      return void res.status(400).json({ error: '小程序客服消息不支持发送文件' });
    } else {
      await sims.miniprogram.simulateClientMessage(
        kind === 'text' ? { openId: t.user, text } : { openId: t.user, msgtype: kind },
      );
    }
    res.json({ ok: true });
  });

  router.get('/api/sim/:channel/transcript', (req, res) => {
    const channel = CHANNELS.find((c) => c === req.params.channel);
    const customerId = typeof req.query.customerId === 'string' ? req.query.customerId : '';
    if (!channel || !customerId) return void res.status(400).json({ error: '参数错误' });
    res.json(clientTranscript(sims, channel, simUserId(channel, customerId)));
  });

  return router;
}
