import bcrypt from 'bcryptjs';
import { Router, json } from 'express';
import type { Services } from '@brokerbot/shared';
import { mintAdvisorToken } from './advisor-token';

const MAX_FAILURES = 5;
const LOCK_SECONDS = 15 * 60;

/**
 * POST /api/advisor/login { username, password } → { token, advisor }.
 * Five wrong passwords lock the username for 15 minutes (counted in Redis, so across processes).
 * A disabled account is refused (403 account_disabled) once its password is right. The token
 * carries the account's tokenVersion: raising it or disabling the account revokes the token.
 */
export function loginRoute(services: Pick<Services, 'db' | 'config' | 'redis' | 'logger'>): Router {
  const router = Router();
  router.post('/api/advisor/login', json({ limit: '4kb' }), async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      res.status(400).json({ error: 'credentials_required', message: '请输入用户名和密码' });
      return;
    }
    const failKey = `${services.config.QUEUE_PREFIX}:login-fail:${username.slice(0, 64)}`;
    const failures = Number(await services.redis.get(failKey)) || 0;
    if (failures >= MAX_FAILURES) {
      res.status(429).json({ error: 'locked', message: '密码错误次数过多，请 15 分钟后再试' });
      return;
    }
    const advisor = await services.db.Advisor.findOne({ username }).lean();
    const ok = advisor ? await bcrypt.compare(password, advisor.passwordHash) : false;
    if (!advisor || !ok) {
      await services.redis.multi().incr(failKey).expire(failKey, LOCK_SECONDS).exec();
      services.logger.warn({ username }, 'advisor login failed');
      res.status(401).json({ error: 'invalid_credentials', message: '用户名或密码错误' });
      return;
    }
    await services.redis.del(failKey);
    if (advisor.active !== true) {
      services.logger.warn({ username }, 'disabled advisor tried to log in');
      res.status(403).json({ error: 'account_disabled', message: '账号已停用，请联系管理员' });
      return;
    }
    const claims = {
      sub: advisor._id.toString(),
      name: advisor.displayName,
      role: advisor.role,
      branchId: advisor.branchId,
      allBranches: advisor.allBranches,
      tokenVersion: advisor.tokenVersion ?? 0,
    };
    const token = mintAdvisorToken(services.config.ADVISOR_TOKEN_SECRET, claims, services.config.ADVISOR_TOKEN_TTL_S);
    res.json({
      token,
      advisor: {
        id: claims.sub,
        name: claims.name,
        role: claims.role,
        branchId: claims.branchId,
        allBranches: claims.allBranches,
      },
    });
  });
  return router;
}
