/** Global teardown: stops the placement tests' Redis, server and worker processes if a test started them. */
import { stopRemoteFleet } from './remoteFleet.js';

export default function setup(): () => Promise<void> {
  return stopRemoteFleet;
}
