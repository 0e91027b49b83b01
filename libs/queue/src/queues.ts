import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from './catalog';
import { DEFAULT_JOB_OPTIONS } from './defaults';

/** Opens a BullMQ queue handle with the system's job defaults. */
export function openQueue(name: QueueName, connection: Redis, prefix: string): Queue {
  return new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}
