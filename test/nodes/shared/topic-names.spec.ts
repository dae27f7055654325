import should from 'should';
import { topicsOfField } from '../../../nodes/shared/topic-names';

describe('nodes/shared: topicsOfField (topic-in\'s Topic field)', () => {
  it('reads one name, a comma-separated list, or a pattern between slashes', () => {
    should(topicsOfField(' orders ')).equal('orders');
    should(topicsOfField('orders, payments,,refunds ')).eql(['orders', 'payments', 'refunds']);
    const pattern = topicsOfField('/^orders[.]/');
    should(pattern).be.instanceOf(RegExp);
    should((pattern as RegExp).test('orders.eu')).be.true();
    should((pattern as RegExp).test('orders-eu')).be.false();
  });

  it('names an invalid pattern', () => {
    should(() => topicsOfField('/(/')).throw(SyntaxError, /topic pattern \/\(\/ is not a valid regular expression/);
  });
});
