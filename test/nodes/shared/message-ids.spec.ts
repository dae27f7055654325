import should from 'should';
import { nextMessageId } from '../../../nodes/shared/message-ids';

describe('nodes/shared: message ids', () => {
  it('are 16 hex digits like Node-RED’s, and never repeat', () => {
    const ids = Array.from({ length: 10_000 }, nextMessageId);
    for (const id of ids) should(id).match(/^[0-9a-f]{16}$/);
    should(new Set(ids).size).equal(ids.length);
  });
});
