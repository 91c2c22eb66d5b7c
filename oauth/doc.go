// Package oauth connects Meta (Facebook) ad accounts to an application:
// the login flow, the token lifecycle and encrypted token storage. It is
// built on golang.org/x/oauth2 and implements metaads.TokenProvider, so a
// metaads.Client can act for every connected account.
//
// # Configuration
//
// A [Config] names the Meta app (id, secret), the fixed redirect URL, the
// permissions to ask for (ads_read, ads_management and business_management
// by default) and to require, the Graph API version, and optionally a
// Facebook Login for Business configuration id. It wraps an oauth2.Config
// whose endpoint is Meta's versioned login dialog and token endpoint (not
// the stale golang.org/x/oauth2/facebook one), with client credentials sent
// in the request body. DialogBaseURL and GraphBaseURL point it at a
// metaadstest server in tests and demos.
//
// # Login flow
//
// A [Manager] runs the flow. [Manager.AuthCodeURL] issues a state and
// returns the dialog URL; [Manager.Callback] completes it:
//
//  1. the state is verified against the browser session (see below);
//  2. error parameters from the dialog become a [*DialogError]
//     (errors.Is(err, ErrConsentDenied) when the person cancelled);
//  3. the code is exchanged with oauth2.Config.Exchange, with the PKCE
//     verifier;
//  4. the short-lived token is traded for a long-lived one
//     (grant_type=fb_exchange_token, about 60 days);
//  5. /debug_token is asked about validity, app, expiry, data access expiry,
//     granted scopes and the ad accounts named in granular scopes; the token
//     must be valid, not already expired (nor its data access), carry the
//     app's id (an empty app_id is refused) and be a USER or SYSTEM_USER
//     token, or the login fails with a [*TokenRejectedError]
//     ([ErrTokenRejected]) and nothing is stored; a missing required
//     permission gives a [*MissingScopesError] naming it;
//  6. /me/adaccounts lists the granted accounts, and the token is stored
//     sealed, once for the user and once per ad account.
//
// # Handlers
//
// [Manager.ConnectHandler] and [Manager.CallbackHandler] wrap these in
// net/http handlers with hooks for the current user, the browser session,
// success and failure, so any server mounts the same tested flow:
//
//	connect, err := m.ConnectHandler(hooks)   // POST only, same origin
//	callback, err := m.CallbackHandler(hooks) // Meta redirects here with GET
//	mux.Handle("POST /meta/connect", connect)
//	mux.Handle("GET /meta/callback", callback)
//
// and the application's page starts a login with a form, never a link:
//
//	<form method="post" action="/meta/connect"><button>Connect Meta account</button></form>
//
// Connect answers only a POST that passes [http.CrossOriginProtection]
// (HandlerHooks.CrossOrigin; by default the Sec-Fetch-Site and Origin
// headers must not name another site): a GET gets 405 and a cross-site
// POST 403 ([ErrCrossOrigin]), before any state, cookie or redirect. This
// matters because Meta skips its dialog for a person who already authorised
// the app, so a link on another site could otherwise reconnect their
// accounts, replacing stored rows, without a click. It then redirects with
// 303 to the dialog.
//
// Without a SessionID hook the handlers keep a random HttpOnly, SameSite=Lax
// session cookie holding the browser-session id and the number of logins
// pending: a second connect in another tab reuses the id, so both tabs
// complete; a callback whose state does not verify (garbage, forged,
// expired, another browser's) leaves the cookie alone, so a cross-site
// request cannot break a pending login; the cookie goes when the last
// pending login's state has verified. Behind a proxy that terminates TLS,
// set [HandlerHooks].SecureCookie so the cookie is marked Secure although
// the request arrives over HTTP.
//
// OnFailure gets a suggested status: 400 bad or forged callback, 401 no
// signed-in user, 403 consent denied, permissions missing, token rejected
// or cross-origin connect, 405 connect not a POST, 502 Meta failed.
//
// # State and PKCE
//
// [States] makes the state parameter: a version, the issue time and a
// random nonce, signed with HMAC-SHA256 over those and the browser-session
// identifier (which is never part of the state); [Manager] also binds the
// application user, so a state issued while user A was signed in is
// refused when the callback runs for user B. Verification compares
// MACs in constant time, rejects states older than the TTL (10 minutes by
// default, measured with the injected clock), and records the nonce in a
// [ReplayStore] so each state is accepted once. Nothing about a pending
// login is kept on the server, so any replica holding the key verifies it;
// replicas share the ReplayStore for single use across them. The PKCE code
// verifier is derived from the key and the nonce, so it needs no storage
// and never appears in a URL; only its S256 challenge does.
//
// # Storage
//
// A [Store] keeps [Record] rows keyed by application user and ad account,
// with expiry, data access expiry, scopes and a [ConnectionStatus] (connected,
// expiring, needs reauth, disconnected). Records hold the token only as
// ciphertext: [EncryptedStore] wraps any Store and seals each token with
// AES-256-GCM under a random nonce, storing the key id beside the
// ciphertext. A [Keyring] has one active key and any number of older keys
// that still decrypt, so keys rotate ([EncryptedStore.Rekey] re-seals old
// rows). The associated data binds each ciphertext to its user, account and
// key id: a ciphertext copied into another row fails to open.
// [MemoryStore] is the in-process Store; the CRM example has a SQL one.
// What the package decides from rows it read earlier (status marks,
// renewed tokens, re-seals) it writes with [Store].CompareAndSwap, only
// over rows that still hold the token it read: a Disconnect or a new
// connection made in between is never overwritten, so a late 190 cannot
// bring deleted tokens back.
//
// # Lifecycle
//
// Meta has no refresh tokens. [Manager.Renew] re-exchanges a still-valid
// long-lived token; an expired or revoked one (code 190) gives a
// [*ReauthError] matching [ErrReauthRequired], naming the user and account,
// and marks the rows. [Manager.Verify] re-inspects a stored token.
// [Manager.Disconnect] revokes the app's permissions (DELETE
// /me/permissions) and removes the stored tokens even when revocation fails,
// reporting that with a [*RevocationError]. A [Refresher] scans stored
// connections and renews, or flags as expiring, those whose token or data
// access ends within a window, returning a [RefreshReport].
// Renewals of one user's token are serialized within a process: while one
// fb_exchange_token is in flight, other renewals of that user wait and use
// its result. Across replicas, WithRenewLocker adds a shared lock (a
// PostgreSQL advisory lock in the CRM example); a replica that waited for it
// finds the renewed token in the store and does not exchange again.
//
// # Provider
//
// [Provider] implements metaads.TokenProvider for one application user:
//
//	p, err := oauth.NewProvider(m, user) // user: the id CurrentUser returned at connect
//	client, err := metaads.NewClient(metaads.WithTokenProvider(p), metaads.WithUsageStore(shared))
//
// It serves only the rows that user stored, so in a multi-tenant
// application a request for one user (or tenant: whatever id the
// application passes as the user) never acts with another's Meta token,
// even for an ad account both connected; an account the user did not
// connect gives [ErrNoToken]. Keep one Provider (and one metaads.Client,
// sharing a UsageStore so rate-limit budgets are seen across them) per user
// the application acts for. A Provider serving every user's rows, choosing
// the most recently updated usable one per account, is only made on
// request, with [WithAnyUser] and an empty user, for tools where any
// request may act for any connection.
//
// A Provider keeps one cached token source per
// ad account, loaded once however many requests ask at the same time,
// renewed inside the renew window on a context the Provider owns (never a
// request's), and saved to the store whenever the token changes. A source
// reads the store again when its copy is older than the cache TTL
// ([WithCacheTTL], one minute by default), so a disconnect or reauth mark
// made on another replica stops it within that time; Callback, Disconnect
// and reauth marks made through the Provider's own Manager apply at once.
// A disconnected account gives an error matching [ErrNoToken]; one that
// needs a new login gives a [*ReauthError].
//
// # Secrets
//
// Tokens, codes, proofs, keys and the app secret never appear in logs,
// error strings, fmt output (any verb), slog output (any handler) or JSON:
// every type that holds one ([Config], [Connection], [Keyring], [States],
// [Manager], [Provider], [Refresher], [EncryptedStore]) has value-receiver
// String, Format, LogValue and MarshalJSON methods that describe it without
// the secret, so it prints the same as a value, through a pointer, in a
// slice or map, or as an exported field of another struct. In an
// unexported field fmt calls no method and prints fields by reflection:
// the types whose secrets are unexported ([Keyring], [States], [Manager],
// [Provider], [Refresher], [EncryptedStore]) keep them out of that walk
// too; a [Config] or [Connection], whose secret is an exported field,
// prints it there. A Store never receives a plaintext token.
// Tokens travel in Authorization headers and POST bodies; the one exception
// is /debug_token, which Meta defines as a GET with the inspected token in
// the input_token query parameter (the metaads client never logs or reports
// query strings).
package oauth
