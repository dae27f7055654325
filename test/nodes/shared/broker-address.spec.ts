import should from 'should';
import { brokerAddressProblem } from '../../../nodes/shared/broker-address';

describe('brokerAddressProblem (slipstream-kafka)', () => {
  it('accepts host:port lists', () => {
    should(brokerAddressProblem('127.0.0.1:9092')).be.undefined();
    should(brokerAddressProblem(' kafka-1:9092, kafka-2:19092 ')).be.undefined();
    should(brokerAddressProblem('[::1]:9092')).be.undefined();
  });

  it('says what to do when the address is empty or an unset environment variable', () => {
    should(brokerAddressProblem('')).equal('no broker address: set KAFKA_BROKERS or enter host:port');
    should(brokerAddressProblem(undefined)).equal('no broker address: set KAFKA_BROKERS or enter host:port');
    should(brokerAddressProblem(' , ')).equal('no broker address: set KAFKA_BROKERS or enter host:port');
    should(brokerAddressProblem('${KAFKA_BROKERS}')).equal('no broker address: KAFKA_BROKERS is not set (enter host:port or set it)');
  });

  it('names an entry that is not host:port', () => {
    should(brokerAddressProblem('localhost')).equal('broker address "localhost" is not host:port');
    should(brokerAddressProblem('a:9092,b:99999')).equal('broker address "b:99999" is not host:port');
    should(brokerAddressProblem('a:0')).equal('broker address "a:0" is not host:port');
  });
});
