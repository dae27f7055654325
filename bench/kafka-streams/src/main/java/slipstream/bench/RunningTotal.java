package slipstream.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The end-to-end benchmark's pipeline in Kafka Streams, run by bench/e2e.ts
 * with one JSON argument (WorkerArgs in bench/workload.ts): a running total per
 * user in the default RocksDB store (changelog on), one {user, total} output
 * per input (record cache off), at-least-once, one stream thread, acks=all.
 * Runs until it is stopped.
 */
public final class RunningTotal {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] argv) throws JsonProcessingException {
    JsonNode args = JSON.readTree(argv[0]);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args.get("input").asText(), Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .aggregate(() -> 0L, (user, value, total) -> total + parse(value).get("amount").asLong(),
            Materialized.with(Serdes.String(), Serdes.Long()))
        .toStream()
        .mapValues((user, total) -> JSON.createObjectNode().put("user", user).put("total", total).toString())
        .to(args.get("output").asText(), Produced.with(Serdes.String(), Serdes.String()));

    KafkaStreams streams = new KafkaStreams(builder.build(), config(args));
    // A failed stream thread ends the process, so the orchestrator sees the run fail.
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR) System.exit(1);
    });
    Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
    streams.start();
  }

  private static Properties config(JsonNode args) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args.get("groupId").asText());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",",
        StreamSupport.stream(args.get("brokers").spliterator(), false).map(JsonNode::asText).toList()));
    props.put(StreamsConfig.STATE_DIR_CONFIG, args.get("db").asText());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // No record cache: every input record emits its own output record.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    return props;
  }

  private static JsonNode parse(String value) {
    try {
      return JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
