import { startDemoSimulators, type DemoSimulators } from '../simulators';

export interface ChannelSimulators {
  sims: DemoSimulators;
  /** The product's channel variables, pointing at the simulators (credentials generated per start). */
  env: Record<string, string>;
}

/**
 * Demo mode without WeCom / mini-program credentials (`npm start` sets CHANNEL_SIMULATORS=1):
 * both simulators run on loopback with generated credentials, and the channels are configured
 * exactly as for Tencent, so the real adapter code runs end to end. Their callback URLs are set
 * once the gateway listens (pointAt).
 */
export async function startChannelSimulators(): Promise<ChannelSimulators> {
  const sims = await startDemoSimulators({});
  const e = sims.env;
  return {
    sims,
    env: {
      WECOM_CORP_ID: e.WECOM_CORP_ID!,
      WECOM_SECRET: e.WECOM_KF_SECRET!,
      WECOM_TOKEN: e.WECOM_CALLBACK_TOKEN!,
      WECOM_AES_KEY: e.WECOM_ENCODING_AES_KEY!,
      WECOM_OPEN_KFID: e.WECOM_OPEN_KFID!,
      WECOM_API_BASE: e.WECOM_API_BASE!,
      MINIPROGRAM_APPID: e.MP_APP_ID!,
      MINIPROGRAM_SECRET: e.MP_APP_SECRET!,
      MINIPROGRAM_TOKEN: e.MP_PUSH_TOKEN!,
      MINIPROGRAM_AES_KEY: e.MP_ENCODING_AES_KEY!,
      MINIPROGRAM_API_BASE: e.MP_API_BASE!,
    },
  };
}

/** Tencent calls our gateway: the URLs an operator would enter in the admin consoles. */
export function pointAt(sims: DemoSimulators, gatewayUrl: string): void {
  sims.kf.setCallbackUrl(`${gatewayUrl}/channels/wecom/callback`);
  sims.miniprogram.setPushUrl(`${gatewayUrl}/channels/miniprogram/callback`);
}
