import { Router, json } from 'express';
import { maskPhone, type Services } from '@brokerbot/shared';
import { mintClientToken } from './client-token';

/**
 * Demo mode only: lets a newcomer pick a demo client and get the app session token that the
 * brokerage's own app backend would mint in production.
 */
export function demoRoutes(services: Pick<Services, 'db' | 'config'>): Router {
  const router = Router();
  router.get('/api/demo/customers', async (_req, res) => {
    const customers = await services.db.Customer.find({}).sort({ _id: 1 }).lean();
    res.json({
      customers: customers.map((c) => ({
        id: c._id,
        name: c.name,
        tier: c.tier,
        branchId: c.branchId,
        phone: c.phone ? maskPhone(c.phone) : null,
      })),
    });
  });
  router.post('/api/demo/client-token', json({ limit: '4kb' }), async (req, res) => {
    const customerId = (req.body as { customerId?: unknown } | undefined)?.customerId;
    if (typeof customerId !== 'string' || !customerId) {
      res.status(400).json({ error: 'customerId_required', message: '请提供 customerId' });
      return;
    }
    const customer = await services.db.Customer.findById(customerId).lean();
    if (!customer) {
      res.status(404).json({ error: 'customer_not_found', message: `没有客户 ${customerId}` });
      return;
    }
    const token = mintClientToken(services.config.APP_TOKEN_SECRET, {
      customerId: customer._id,
      branchId: customer.branchId,
      name: customer.name,
    });
    res.json({ token, customer: { id: customer._id, name: customer.name, tier: customer.tier, branchId: customer.branchId } });
  });
  return router;
}
