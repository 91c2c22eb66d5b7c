package oauth_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/oauth"
)

// debugTokenRewriter wraps the fake so tests can change fields of the
// debug_token answer (under "data") while everything else passes through.
type debugTokenRewriter struct {
	mu  sync.Mutex
	set map[string]any
}

func (d *debugTokenRewriter) Set(field string, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set == nil {
		d.set = map[string]any{}
	}
	d.set[field] = v
}

func (d *debugTokenRewriter) wrap(_ *env, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		set := d.set
		d.mu.Unlock()
		if len(set) == 0 || !strings.HasSuffix(r.URL.Path, "/debug_token") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Data == nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		for k, v := range set {
			body.Data[k] = v
		}
		var out bytes.Buffer
		_ = json.NewEncoder(&out).Encode(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(out.Bytes())
	})
}

func TestInspectRequiresOurAppID(t *testing.T) {
	rw := &debugTokenRewriter{}
	e := newEnv(t, envOpt{wrap: rw.wrap})
	e.connect()
	tok := e.userToken()
	ctx := t.Context()
	info, err := e.m.Inspect(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, e.cfg.AppID, info.AppID)

	for _, app := range []string{"", "999999"} {
		rw.Set("app_id", app)
		_, err = e.m.Inspect(ctx, tok)
		require.Error(t, err, "app_id %q", app)
		assert.Contains(t, err.Error(), "want app "+e.cfg.AppID)
		assert.NotContains(t, err.Error(), tok)
	}
	// An invalid token may come back without an app id; that is reported
	// through Valid, not as an error.
	rw.Set("is_valid", false)
	info, err = e.m.Inspect(ctx, tok)
	require.NoError(t, err)
	assert.False(t, info.Valid)
}

func TestCallbackRejectsOtherTokenTypes(t *testing.T) {
	for _, typ := range []string{"PAGE", "APP", ""} {
		t.Run("type "+typ, func(t *testing.T) {
			rw := &debugTokenRewriter{}
			rw.Set("type", typ)
			e := newEnv(t, envOpt{wrap: rw.wrap})
			b := e.browser(e.user)
			form, action := e.consent(b)
			status, body := get(t, b, e.decide(b, form, action, "approve"))
			assert.Equal(t, http.StatusForbidden, status, body)
			require.ErrorIs(t, e.lastErr, oauth.ErrTokenRejected)
			assert.Contains(t, e.lastErr.Error(), "want USER or SYSTEM_USER")
			_, err := e.store.Load(t.Context(), oauth.Key{User: e.user})
			assert.ErrorIs(t, err, oauth.ErrNoToken, "nothing stored")
		})
	}
	t.Run("system user", func(t *testing.T) {
		rw := &debugTokenRewriter{}
		rw.Set("type", "SYSTEM_USER")
		e := newEnv(t, envOpt{wrap: rw.wrap})
		e.connect()
	})
}
