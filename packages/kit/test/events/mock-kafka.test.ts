import { expect, it } from 'vitest';
import { startMockKafka } from '../../src/events/mock-kafka.js';

it('says how to get a broker when kcat is not on the PATH, instead of crashing the process', async () => {
  await expect(startMockKafka('adboard-no-such-kcat')).rejects.toThrow(
    /adboard-no-such-kcat is not runnable \(ENOENT\); install it \(Debian package kcat\) or set KAFKA_BROKERS/,
  );
});
