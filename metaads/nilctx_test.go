package metaads

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metrics"
)

// TestNilContextNeverPanics calls every exported method that takes a
// context (found by reflection on the client, its services, a batch and a
// report run) with a nil context and plausible other
// arguments, ranging over returned iterators: each returns or yields an
// error; none panics. Insights.All and Insights.Run used to panic.
func TestNilContextNeverPanics(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a call with a nil context reached the server: %s %s", r.Method, r.URL.Path)
		writeJSON(w, 200, `{"data":[]}`)
	})
	c := memClient(t, h)
	acct := MustParseAccountID("1")
	b := c.NewBatch(acct)
	require.NoError(t, b.Add(Request{Path: "1"}, nil))
	receivers := []any{c, c.Accounts, c.Campaigns, c.AdSets, c.Ads, c.Creatives, c.Insights, c.AdRules, b,
		&ReportRun{ID: "123", Account: acct, s: c.Insights}}
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	called := 0
	for _, recv := range receivers {
		rv := reflect.ValueOf(recv)
		for i := range rv.NumMethod() {
			m := rv.Type().Method(i)
			mt := m.Type // with the receiver as the first parameter
			if mt.NumIn() < 2 || mt.In(1) != ctxType {
				continue
			}
			name := fmt.Sprintf("%T.%s", recv, m.Name)
			args := []reflect.Value{reflect.Zero(ctxType)}
			for j := 2; j < mt.NumIn(); j++ {
				if mt.IsVariadic() && j == mt.NumIn()-1 {
					break
				}
				args = append(args, plausible(mt.In(j), acct))
			}
			var gotErr error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s(nil, ...) panicked: %v", name, p)
					}
				}()
				out := rv.Method(i).Call(args)
				for _, o := range out {
					switch {
					case o.Type().Implements(errType) && !o.IsNil():
						gotErr = o.Interface().(error)
					case o.Kind() == reflect.Func && o.Type().NumIn() == 1 && o.Type().In(0).Kind() == reflect.Func:
						gotErr = drainSeq(o)
					}
				}
			}()
			called++
			assert.Error(t, gotErr, "%s(nil, ...) gave no error", name)
		}
	}
	assert.Greater(t, called, 20, "the reflection found the methods")
}

// plausible returns a value of type t that passes the usual validation,
// so a method gets as far as using its context.
func plausible(t reflect.Type, acct AccountID) reflect.Value {
	v := reflect.New(t).Elem()
	switch {
	case t == reflect.TypeFor[AccountID]():
		v.Set(reflect.ValueOf(acct))
	case t == reflect.TypeFor[InsightsParams]():
		v.Set(reflect.ValueOf(InsightsParams{Level: metrics.LevelAd, DatePreset: "last_7d"}))
	case t == reflect.TypeFor[Budget]():
		v.Set(reflect.ValueOf(Budget{Daily: 1000}))
	case t == reflect.TypeFor[UsageKey]():
		v.Set(reflect.ValueOf(UsageKey{Scope: "app"}))
	case t.Kind() == reflect.String && strings.HasSuffix(t.Name(), "Status"):
		v.SetString("ACTIVE")
	case t.Kind() == reflect.String:
		v.SetString("123")
	case t.Kind() == reflect.Int64 || t.Kind() == reflect.Int:
		v.SetInt(100)
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		v.Set(reflect.New(t.Elem()))
	}
	return v
}

// drainSeq ranges over an iter.Seq2[T, error] (or Seq) held in v and
// returns the first error it yields.
func drainSeq(v reflect.Value) error {
	var first error
	yield := reflect.MakeFunc(v.Type().In(0), func(args []reflect.Value) []reflect.Value {
		if last := args[len(args)-1]; last.Type() == reflect.TypeFor[error]() && !last.IsNil() && first == nil {
			first = last.Interface().(error)
		}
		return []reflect.Value{reflect.ValueOf(false)}
	})
	v.Call([]reflect.Value{yield})
	return first
}
