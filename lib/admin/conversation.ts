import type { ConversationMessage, OutboxSummary } from './admin-records.interface';

/**
 * Orders the messages of one correlation id causally: each message after the one that caused it
 * (depth-first from the roots, siblings in id order). A message whose cause is not in the outbox
 * (sent from elsewhere, or cleaned up) is a root.
 */
export function causalOrder(messages: OutboxSummary[]): ConversationMessage[] {
  const byId = new Map(messages.map((message) => [message.messageId, message]));
  const children = new Map<string, OutboxSummary[]>();
  const roots: OutboxSummary[] = [];
  for (const message of messages) {
    const cause = message.causationId;
    if (cause && cause !== message.messageId && byId.has(cause)) {
      children.set(cause, [...(children.get(cause) ?? []), message]);
    } else roots.push(message);
  }
  const ordered: ConversationMessage[] = [];
  const seen = new Set<string>();
  const visit = (message: OutboxSummary, depth: number) => {
    if (seen.has(message.messageId)) return;
    seen.add(message.messageId);
    const caused = children.get(message.messageId) ?? [];
    ordered.push({
      ...message,
      depth,
      causedBy: message.causationId,
      caused: caused.map((child) => child.messageId),
    });
    for (const child of caused) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return ordered;
}
