import { ConfigError, loadConfig } from '../src/config';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/bb',
  APP_TOKEN_SECRET: 'a'.repeat(32),
  ADVISOR_TOKEN_SECRET: 'b'.repeat(32),
};

describe('loadConfig', () => {
  it('applies defaults to a minimal valid environment', () => {
    const c = loadConfig(valid);
    expect(c.PORT).toBe(3000);
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.ROLES).toEqual(['gateway', 'bot', 'router', 'outbound', 'quality']);
    expect(c.DEMO_MODE).toBe(false);
  });

  it('names every missing variable', () => {
    try {
      loadConfig({});
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('MONGODB_URI is required');
      expect(msg).toContain('APP_TOKEN_SECRET is required');
      expect(msg).toContain('ADVISOR_TOKEN_SECRET is required');
    }
  });

  it('rejects weak secrets, bad URLs and unknown roles with the variable named', () => {
    expect(() => loadConfig({ ...valid, APP_TOKEN_SECRET: 'short' })).toThrow(/APP_TOKEN_SECRET must be at least 32 characters/);
    expect(() => loadConfig({ ...valid, MONGODB_URI: 'localhost' })).toThrow(/MONGODB_URI must start with mongodb/);
    expect(() => loadConfig({ ...valid, ROLES: 'gateway,chef' })).toThrow(/ROLES has unknown role "chef"/);
    expect(() => loadConfig({ ...valid, PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('parses a role list for split deployments', () => {
    expect(loadConfig({ ...valid, ROLES: 'bot, router' }).ROLES).toEqual(['bot', 'router']);
  });
});
