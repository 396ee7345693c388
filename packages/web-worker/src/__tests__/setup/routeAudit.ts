/**
 * Fails a test file when any request of the page or its workers left the page's origin: the
 * workspace's route audit (scripts/routeAudit.mjs, whose commands vitest.config.ts registers).
 */
import '../../../../../scripts/routeAuditSetup.mjs';
