import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed keys of the search attributes, for starting workflows and upserting status. */
export const SEARCH_ATTRIBUTE_KEYS = {
  Stack: defineSearchAttributeKey('Stack', SearchAttributeType.KEYWORD),
  Service: defineSearchAttributeKey('Service', SearchAttributeType.KEYWORD),
  Environment: defineSearchAttributeKey('Environment', SearchAttributeType.KEYWORD),
  Version: defineSearchAttributeKey('Version', SearchAttributeType.KEYWORD),
  DeployedBy: defineSearchAttributeKey('DeployedBy', SearchAttributeType.KEYWORD),
  DeployStatus: defineSearchAttributeKey('DeployStatus', SearchAttributeType.KEYWORD),
} as const;
