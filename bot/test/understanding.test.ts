import { Types } from 'mongoose';
import type { MessageDoc } from '@brokerbot/shared';
import { intentsNewestFirst } from '../src/understanding';

const msg = (direction: 'in' | 'out', intent?: string): MessageDoc =>
  ({
    _id: new Types.ObjectId(),
    direction,
    meta: intent ? { action: 'answered', understanding: { intent } } : null,
  }) as unknown as MessageDoc;

/** The router picks the advisor's skill from these: the client's latest concern must come first. */
describe('intentsNewestFirst', () => {
  it("lists the client's stored intents newest first, without the bot's replies or the message in hand", () => {
    const older = msg('in', 'bank_transfer');
    const reply = msg('out');
    const newer = msg('in', 'margin_account');
    const current = msg('in'); // in the bot's turn now: nothing stored yet
    expect(intentsNewestFirst([older, reply, newer, current], current._id.toString())).toEqual([
      'margin_account',
      'bank_transfer',
    ]);
  });

  it('skips messages the bot never read (pictures, messages sent while an advisor served)', () => {
    const picture = msg('in');
    const asked = msg('in', 'account_frozen');
    expect(intentsNewestFirst([asked, picture], 'none')).toEqual(['account_frozen']);
  });
});
