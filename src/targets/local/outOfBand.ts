import type { ComponentRef } from '../../model/componentRef';
import type { ComponentState } from './api';
import { componentPath } from './localObserver';
import { RuntimeClient } from './runtimeClient';

/**
 * Changes a MicroService's desired replicas behind deployer's back, as a person would in the AWS
 * console, so drift can be shown and tested. The runtime records it as such in the events.
 */
export function scaleOutsideDeployer(ref: ComponentRef, replicas: number, reason: string, client = RuntimeClient.connect()): Promise<ComponentState> {
  return client.request('POST', `${componentPath(ref)}/scale`, { replicas, reason });
}

/**
 * Deletes a component from the local runtime behind deployer's back, as a person deleting the
 * resource in the AWS console would: its processes stop and its data directory goes, while Pulumi's
 * state and deployer's release still say it exists. `deployer drift detect` reports it (high).
 */
export async function deleteOutsideDeployer(ref: ComponentRef, client = RuntimeClient.connect()): Promise<boolean> {
  const reply = await client.request<{ deleted: boolean }>('DELETE', componentPath(ref));
  return reply.deleted;
}
