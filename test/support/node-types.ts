/** Every node type the package registers, as a user's Node-RED should list them. */
export const NODE_TYPES = [
  'slipstream-kafka',
  'slipstream-topic-in',
  'slipstream-topic-out',
  'slipstream-handle',
  'slipstream-store',
  'slipstream-cache',
  'slipstream-checkpoint',
] as const;
