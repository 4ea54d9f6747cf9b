import { InitialSchema1764320000000 } from './1764320000000-initial-schema.js';
import { Activities1764320100000 } from './1764320100000-activities.js';

/** Every migration, oldest first. Listed as classes, not globs, so ESM builds and Jest load the same set. */
export const migrations = [InitialSchema1764320000000, Activities1764320100000];
