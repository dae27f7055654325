export { ChangelogTopicError } from './changelog-topic';
export { type CacheRestoreProgress, TopicChangelog } from './topic-changelog';
export type { RestoreProgress } from './restorer';
