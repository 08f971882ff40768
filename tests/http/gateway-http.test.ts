import request from 'supertest';
import { cleanUp, startTestSystem, type TestSystem } from '../support/test-system';

describe('gateway HTTP', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => {
    await sys.stop();
    await cleanUp(sys.config);
  });

  it('answers liveness and readiness with Redis and the database checked', async () => {
    await request(sys.url).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(sys.url).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', redis: 'ok', db: 'ok' });
  });

  it('exposes Prometheus metrics including queue depth and latency histograms', async () => {
    const res = await request(sys.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/^bb_queue_depth\{queue="inbound"\} \d+$/m);
    expect(res.text).toContain('# TYPE bb_reply_latency_seconds histogram');
    expect(res.text).toContain('# TYPE bb_handoff_offer_latency_seconds histogram');
    expect(res.text).toContain('bb_messages_in_total');
  });

  it('logs an advisor in with the right password only, and locks after five failures', async () => {
    const ok = await request(sys.url)
      .post('/api/advisor/login')
      .send({ username: 'wang.fang', password: 'demo1234' })
      .expect(200);
    expect(ok.body.advisor).toMatchObject({ name: '王芳', role: 'advisor', branchId: 'SH01' });
    expect(typeof ok.body.token).toBe('string');

    const bad = await request(sys.url).post('/api/advisor/login').send({ username: 'li.qiang', password: 'nope' }).expect(401);
    expect(bad.body.message).toBe('用户名或密码错误');
    await request(sys.url).post('/api/advisor/login').send({ username: 'li.qiang' }).expect(400);
    for (let i = 0; i < 4; i++)
      await request(sys.url).post('/api/advisor/login').send({ username: 'li.qiang', password: 'nope' });
    const locked = await request(sys.url)
      .post('/api/advisor/login')
      .send({ username: 'li.qiang', password: 'demo1234' })
      .expect(429);
    expect(locked.body.error).toBe('locked');
  });

  it('mints demo client tokens for known demo clients only', async () => {
    const res = await request(sys.url).post('/api/demo/client-token').send({ customerId: 'C1003' }).expect(200);
    expect(res.body.customer).toMatchObject({ id: 'C1003', tier: 'vip', branchId: 'SH01' });
    await request(sys.url).post('/api/demo/client-token').send({ customerId: 'NOPE' }).expect(404);
    await request(sys.url).post('/api/demo/client-token').send({}).expect(400);
    const list = await request(sys.url).get('/api/demo/customers').expect(200);
    expect(list.body.customers).toHaveLength(12);
    expect(list.body.customers[0].phone).toMatch(/^\d{3}\*{4}\d{4}$/);
  });
});
