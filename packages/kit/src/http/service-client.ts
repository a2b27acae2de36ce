import {
  DEADLINE_HEADER,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
  USER_TOKEN_HEADER,
} from '@adboard/contracts';
import { request, type Dispatcher } from 'undici';
import type { CallerCredentials } from '../request-context.js';
import { currentTrace, outgoingTraceparent } from '../trace.js';
import { inSpan, SpanKind } from '../tracing.js';
import { ServiceUnavailableError } from './errors.js';
import { keepAlive } from './keep-alive.js';

export interface ServiceResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ServiceRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** The end user's token, forwarded so the callee can apply its own user rules. */
  userToken?: string;
  timeoutMs?: number;
}

/** The callee did not answer (connection refused, reset, timeout): the call may or may not have taken effect. */
export class ServiceCallError extends ServiceUnavailableError {
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super();
    this.message = `${target} did not answer: ${reason}`;
  }
}

/**
 * HTTP to another service: real HTTP in both run modes. Every call carries the service
 * credential, the trace context, the request id and its deadline (`x-request-deadline`: the callee
 * commits nothing after the caller gave up); the answer comes back as status and JSON body for the
 * caller to interpret (a 4xx is an answer, not an exception).
 */
export class ServiceClient {
  constructor(
    readonly target: string,
    private readonly baseUrl: string,
    private readonly credentials: CallerCredentials,
    private readonly defaultTimeoutMs = 5_000,
  ) {}

  /** The call, in a client span that the callee's request span continues. */
  request<T = unknown>(
    method: string,
    path: string,
    options: ServiceRequest = {},
  ): Promise<ServiceResponse<T>> {
    const attributes = { 'http.request.method': method, 'server.address': this.target, 'url.path': path };
    return inSpan(`${method} ${this.target}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const response = await this.send<T>(method, path, options);
      span.setAttribute('http.response.status_code', response.status);
      return response;
    });
  }

  private async send<T>(method: string, path: string, options: ServiceRequest): Promise<ServiceResponse<T>> {
    const trace = currentTrace();
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const headers: Record<string, string> = {
      [DEADLINE_HEADER]: String(Date.now() + timeoutMs),
      accept: 'application/json',
      [SERVICE_TOKEN_HEADER]: await this.credentials.tokenFor(this.target),
      traceparent: outgoingTraceparent(),
      ...(trace?.requestId ? { [REQUEST_ID_HEADER]: trace.requestId } : {}),
      ...(options.userToken ? { [USER_TOKEN_HEADER]: options.userToken } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    let status: number;
    let text: string;
    try {
      const response = await request(new URL(path, this.baseUrl), {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher: keepAlive,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).cause?.code;
      throw new ServiceCallError(
        this.target,
        code ?? (error as { code?: string }).code ?? (error as Error).name,
      );
    }
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the caller's error message
    }
    return { status, body: body as T };
  }
}
