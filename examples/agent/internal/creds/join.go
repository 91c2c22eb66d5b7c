package creds

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
)

// Joined is one Source over several (the service tokens of several CRM
// users, a CRM and a file): an account is served by the first source that
// lists it.
type Joined struct {
	sources []Source
	mu      sync.Mutex
	owner   map[metaads.AccountID]Source
}

// Join returns a Source over sources, in order of precedence. One source
// is returned as it is.
func Join(sources ...Source) Source {
	if len(sources) == 1 {
		return sources[0]
	}
	return &Joined{sources: sources, owner: map[metaads.AccountID]Source{}}
}

// String names the sources.
func (j *Joined) String() string {
	names := make([]string, len(j.sources))
	for i, s := range j.sources {
		names[i] = s.String()
	}
	return strings.Join(names, " + ")
}

// Accounts lists every source's accounts, each account once. A source
// that fails fails the listing: a partial list would silently drop
// accounts.
func (j *Joined) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	owner := map[metaads.AccountID]Source{}
	for _, s := range j.sources {
		accts, err := s.Accounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		for _, a := range accts {
			if _, dup := owner[a.ID]; !dup {
				owner[a.ID] = s
				out = append(out, a)
			}
		}
	}
	j.mu.Lock()
	j.owner = owner
	j.mu.Unlock()
	return out, nil
}

func (j *Joined) source(ctx context.Context, account metaads.AccountID) (Source, error) {
	j.mu.Lock()
	s := j.owner[account]
	j.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if _, err := j.Accounts(ctx); err != nil {
		return nil, err
	}
	j.mu.Lock()
	s = j.owner[account]
	j.mu.Unlock()
	if s == nil {
		return nil, fmt.Errorf("creds: %s is in none of %s: %w", account, j, ErrForbidden)
	}
	return s, nil
}

// TokenSource implements metaads.TokenProvider.
func (j *Joined) TokenSource(ctx context.Context, account metaads.AccountID) (oauth2.TokenSource, error) {
	s, err := j.source(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.TokenSource(ctx, account)
}

// Endpoint is the owning source's.
func (j *Joined) Endpoint(ctx context.Context, account metaads.AccountID) (Endpoint, error) {
	s, err := j.source(ctx, account)
	if err != nil {
		return Endpoint{}, err
	}
	return s.Endpoint(ctx, account)
}

// Invalid reports to the owning source.
func (j *Joined) Invalid(ctx context.Context, account metaads.AccountID, cause *metaads.Error) (Invalidation, error) {
	s, err := j.source(ctx, account)
	if err != nil {
		return Invalidation{}, err
	}
	return s.Invalid(ctx, account, cause)
}
