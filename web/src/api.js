// The REST API of docs/api.md, bound to one bearer token. Every method
// returns the parsed JSON body or throws an ApiError with the server's
// error code and message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// `refreshToken()` (optional) gets a new token after a 401; the request is
// then retried once. `onUnauthorized(error)` runs when that is not possible.
export function createApi(getToken, { onUnauthorized, refreshToken } = {}) {
  async function request(method, path, body, retried = false) {
    const headers = {};
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, 'network', `the server could not be reached (${error.message})`);
    }
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const detail = json?.error ?? {};
      const error = new ApiError(response.status, detail.code ?? 'http', detail.message ?? `HTTP ${response.status}`);
      if (response.status === 401 && refreshToken && !retried) {
        const renewed = await refreshToken().then(() => true, () => false);
        if (renewed) return request(method, path, body, true);
      }
      if (response.status === 401 && onUnauthorized) onUnauthorized(error);
      throw error;
    }
    return json;
  }

  const query = (params) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  const id = encodeURIComponent;

  return {
    devUsers: () => request('GET', '/v1/dev/users'),
    devToken: (userId) => request('POST', '/v1/dev/token', { user_id: userId }),
    workspaces: () => request('GET', '/v1/workspaces'),
    createWorkspace: (name) => request('POST', '/v1/workspaces', { name }),
    members: (ws) => request('GET', `/v1/workspaces/${id(ws)}/members`),
    presence: (ws) => request('GET', `/v1/workspaces/${id(ws)}/presence`),
    documents: (ws, params = {}) => request('GET', `/v1/workspaces/${id(ws)}/documents${query(params)}`),
    createDocument: (ws, body) => request('POST', `/v1/workspaces/${id(ws)}/documents`, body),
    search: (ws, params) => request('GET', `/v1/workspaces/${id(ws)}/search${query(params)}`),
    document: (doc, version) => request('GET', `/v1/documents/${id(doc)}${query({ version })}`),
    updateDocument: (doc, body) => request('PATCH', `/v1/documents/${id(doc)}`, body),
    deleteDocument: (doc) => request('DELETE', `/v1/documents/${id(doc)}`),
    ops: (doc, params) => request('GET', `/v1/documents/${id(doc)}/ops${query(params)}`),
    notifications: (params = {}) => request('GET', `/v1/notifications${query(params)}`),
    markNotificationRead: (notification) => request('POST', `/v1/notifications/${id(notification)}/read`, {}),
    markAllNotificationsRead: () => request('POST', '/v1/notifications/read-all', {}),
  };
}
