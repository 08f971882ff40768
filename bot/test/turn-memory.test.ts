import { Nlu } from '@brokerbot/flows';
import { trendForMessage, type TurnMemory } from '../src/turn-memory';

const fresh = (): TurnMemory => ({ trend: null, trendBefore: null, misses: 0, menu: [], dialog: null });

/**
 * The trend escalates a client after several negative messages in a row. A turn that runs twice
 * for one message (a retry after a crash) must not count that message twice: a calm client
 * asking about a lost digital certificate was handed to a person that way.
 */
describe('trendForMessage', () => {
  const nlu = Nlu.load();
  const turn = (memory: TurnMemory, messageId: string, text: string) => {
    const trend = trendForMessage(memory, messageId);
    nlu.analyze(text, trend);
    memory.trend = trend.toJSON();
  };

  it('counts a message once however often its turn runs', () => {
    const once = fresh();
    turn(once, 'm1', '账户被盗了怎么办，急死了');
    turn(once, 'm2', 'App登录不了怎么办？');

    const retried = fresh();
    turn(retried, 'm1', '账户被盗了怎么办，急死了');
    turn(retried, 'm2', 'App登录不了怎么办？');
    turn(retried, 'm2', 'App登录不了怎么办？'); // the same turn again after a crash
    expect(retried.trend).toEqual(once.trend);
  });

  it('goes on from the latest message for the next one', () => {
    const memory = fresh();
    turn(memory, 'm1', '账户被盗了怎么办，急死了');
    const afterFirst = memory.trend;
    turn(memory, 'm2', '还是登录不了，急死了');
    expect(memory.trend).not.toEqual(afterFirst);
    expect(memory.trendBefore).toEqual({ messageId: 'm2', trend: afterFirst });
  });
});
