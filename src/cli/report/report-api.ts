/**
 * What the reports read, all through the public API (docs/api.md): a report adds no second path to
 * the data. Collectors take this subset of the API client, so unit tests hand them fakes.
 */
import type { ApiClient } from '../api-client.ts';

export type ReportApi = Pick<ApiClient, 'get' | 'getAll' | 'post'>;
