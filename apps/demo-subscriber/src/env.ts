import { env, parseEnv, z } from '@orderbus/config';

/** Settings of the demo subscriber, read once at start-up. */
const schema = z.object({
  DEMO_SUBSCRIBER_PORT: env.port(8090),
  DEMO_SUBSCRIBER_HOST: z.string().default('127.0.0.1'),
  /** The subscription's signing secret (whsec_...), or several separated by commas during a rotation; when set, unsigned or badly signed deliveries are refused. */
  DEMO_SUBSCRIBER_SECRET: z.string().optional(),
  ORDERBUS_LOG_LEVEL: env.logLevel(),
});

export type DemoSubscriberEnv = z.infer<typeof schema>;

export function readDemoSubscriberEnv(source: NodeJS.ProcessEnv = process.env): DemoSubscriberEnv {
  return parseEnv(schema, source);
}
