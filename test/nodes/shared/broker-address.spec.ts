import should from 'should';
import { brokerAddressProblem } from '../../../nodes/shared/broker-address';

describe('brokerAddressProblem (slipstream-kafka)', () => {
  it('accepts host:port lists', () => {
    should(brokerAddressProblem('127.0.0.1:9092')).be.undefined();
    should(brokerAddressProblem(' kafka-1:9092, kafka-2:19092 ')).be.undefined();
    should(brokerAddressProblem('[::1]:9092')).be.undefined();
  });

  it('names the reason when the address is empty or an unset environment variable', () => {
    should(brokerAddressProblem('')).eql({ reason: 'empty' });
    should(brokerAddressProblem(undefined)).eql({ reason: 'empty' });
    should(brokerAddressProblem(' , ')).eql({ reason: 'empty' });
    should(brokerAddressProblem('${KAFKA_BROKERS}')).eql({ reason: 'unset', variable: 'KAFKA_BROKERS' });
  });

  it('names an entry that is not host:port', () => {
    should(brokerAddressProblem('localhost')).eql({ reason: 'malformed', entry: 'localhost' });
    should(brokerAddressProblem('a:9092,b:99999')).eql({ reason: 'malformed', entry: 'b:99999' });
    should(brokerAddressProblem('a:0')).eql({ reason: 'malformed', entry: 'a:0' });
  });
});
