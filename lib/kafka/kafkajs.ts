// kafkajs, as the library uses it at run time: four of its internals are
// replaced first (see linear-grouping, fast-produce-request,
// fast-record-decoder and numeric-batch), which only works before kafkajs's
// producer and consumer load them. Every module of the library that needs
// kafkajs's values imports them from here (types may come from 'kafkajs'
// itself), so that whichever module loads kafkajs first — lib/index.ts, a
// node's module, the produce or consume thread — gets the replaced internals.
import './linear-grouping';
import './fast-produce-request';
import './fast-record-decoder';
import './numeric-batch';

export { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
