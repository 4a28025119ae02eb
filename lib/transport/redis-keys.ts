/** Redis keys the library keeps beside BullMQ's, under the same prefix. */
export const redisKeys = {
  subscribers: (prefix: string, type: string) => `${prefix}:cm:subscribers:${type}`,
  endpointTypes: (prefix: string, endpoint: string) => `${prefix}:cm:endpoint-types:${endpoint}`,
  /** Hash of the endpoint's instances: id → types and when last seen. */
  endpointInstances: (prefix: string, endpoint: string) =>
    `${prefix}:cm:endpoint-instances:${endpoint}`,
  retryPolicies: (prefix: string) => `${prefix}:cm:retry-policies`,
  retentionLock: (prefix: string, tablePrefix: string) =>
    `${prefix}:cm:retention-lock:${tablePrefix}`,
};
