// Package creds is where the agent gets Meta access tokens: a Source lists
// the ad accounts its credentials allow and is the metaads.TokenProvider
// for them. Two sources exist:
//
//   - CRM: the example CRM's credentials API (examples/crm, "Credentials API
//     for the agent"), authenticated with a service token. A token is fetched
//     on demand, the first time an account needs it, and cached until shortly
//     before it expires (RefreshMargin) or for MaxAge, whichever comes first.
//     When Meta answers error 190, Invalid drops the cached token and reports
//     it to the CRM, which asks Meta and marks the account for reconnection.
//   - File: the legacy configuration file (YAML or JSON) of account ids and
//     tokens, or system-user tokens that serve several accounts, for
//     backward compatibility. A malformed file gets a *FileError naming the
//     line and the key.
//
// Tokens travel as oauth2.Token values carrying their appsecret_proof
// (metaads.ExtraAppSecretProof), so the Graph client never needs the app
// secret. No token, service token or proof appears in an error, a log
// record or a String result.
//
// Both kinds of source serve any number of accounts per user and per token,
// and are safe for concurrent use.
package creds
