"""The end-to-end benchmark's pipeline in Quix Streams.

Run by bench/e2e.ts in bench/python/.venv with one JSON argument (WorkerArgs in
bench/workload.ts): a running total per user in Quix's RocksDB state
(changelog topics on, at-least-once: its defaults), one {user, total} output
per input, keyed by user (the input key passes through). Runs until it is stopped.
"""

import json
import sys

from quixstreams import Application, State


def running_total(value: dict, state: State) -> dict:
    total = state.get('total', 0) + value['amount']
    state.set('total', total)
    return {'user': value['user'], 'total': total}


def main() -> None:
    args = json.loads(sys.argv[1])
    app = Application(
        broker_address=','.join(args['brokers']),
        consumer_group=args['groupId'],
        auto_offset_reset='earliest',  # the input is filled before the run (Quix's default is latest)
        state_dir=args['db'],
        producer_extra_config={'acks': 'all'},
        loglevel='WARNING',
    )
    source = app.topic(args['input'], value_deserializer='json')
    output = app.topic(args['output'], value_serializer='json')
    app.dataframe(source).apply(running_total, stateful=True).to_topic(output)
    app.run()


if __name__ == '__main__':
    main()
