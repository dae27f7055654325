"""The end-to-end benchmark's pipeline in the Python original (slipstream-async).

Run by bench/e2e.ts in bench/python/.venv with one JSON argument (WorkerArgs in
bench/workload.ts): consume the input topic, keep a running total per user in
RocksDB under the key's transaction, produce {user, total} keyed by user.
Runs until it is stopped.
"""

import asyncio
import json
import sys

from slipstream import Cache, Topic, handle, stream
from slipstream.codecs import JsonCodec


def main() -> None:
    args = json.loads(sys.argv[1])
    brokers = ','.join(args['brokers'])
    source = Topic(
        args['input'],
        {'bootstrap_servers': brokers, 'group_id': args['groupId'], 'auto_offset_reset': 'earliest'},
        codec=JsonCodec(),
    )
    # acks=all like the Node.js contenders (aiokafka's default is 1).
    output = Topic(args['output'], {'bootstrap_servers': brokers, 'acks': 'all'}, codec=JsonCodec())
    totals = Cache(args['db'])

    @handle(source, sink=[output])
    async def running_total(record):
        user = record.value['user']
        async with totals.transaction(user):
            total = (totals[user] or 0) + record.value['amount']
            totals[user] = total
        return user, {'user': user, 'total': total}

    asyncio.run(stream())


if __name__ == '__main__':
    main()
