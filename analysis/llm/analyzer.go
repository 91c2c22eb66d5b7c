package llm

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/analysis"
)

// Analyzer is an [analysis.Analyzer] over a [Model]: it builds the prompt
// from the Input ([BuildPrompt]), asks the model, parses the reply
// ([ParseReply]) with one repair turn when the reply is not the JSON the
// schema asks for, and keeps only what the grounding check passes
// ([Ground]). Token usage of every call, what was dropped and why, and
// how the prompt summarised a large account are in the Result. It is
// safe for concurrent use.
type Analyzer struct {
	provider string
	model    Model
	cfg      config
}

type config struct {
	modelName       string
	fingerprint     string
	prompt          PromptOptions
	ground          GroundOptions
	maxOutputTokens int64
	temperature     float64
	maxRecs         int
}

// Option configures an [Analyzer].
type Option func(*config) error

// WithModelName names the model in Result.Model when the provider's
// reply does not, and in the cache fingerprint.
func WithModelName(name string) Option {
	return func(c *config) error { c.modelName = name; return nil }
}

// WithFingerprint adds what else the provider's results depend on (its
// base URL, its output mode) to [Analyzer.Fingerprint]. It must not hold
// secrets.
func WithFingerprint(s string) Option {
	return func(c *config) error { c.fingerprint = s; return nil }
}

// WithMaxPromptTokens caps the prompt's estimated size (see
// [PromptOptions.MaxTokens]); default 24,000, at least 6,000.
func WithMaxPromptTokens(n int) Option {
	return func(c *config) error {
		if n < minPromptTokens {
			return fmt.Errorf("llm: WithMaxPromptTokens(%d); expected at least %d", n, minPromptTokens)
		}
		c.prompt.MaxTokens = n
		return nil
	}
}

// WithMaxOutputTokens caps each reply; default 8,000.
func WithMaxOutputTokens(n int64) Option {
	return func(c *config) error {
		if n < 256 {
			return fmt.Errorf("llm: WithMaxOutputTokens(%d); expected at least 256", n)
		}
		c.maxOutputTokens = n
		return nil
	}
}

// WithTemperature sets the sampling temperature, in [0, 2]; default 0.2.
// Some reasoning models accept only their default: pass a negative
// value to send none.
func WithTemperature(t float64) Option {
	return func(c *config) error {
		if !(t <= 2) {
			return fmt.Errorf("llm: WithTemperature(%v); expected at most 2, or negative for the server's default", t)
		}
		c.temperature = t
		return nil
	}
}

// WithTolerance sets the relative tolerance of the number check (see
// [GroundOptions.Tolerance]); default 0.005.
func WithTolerance(t float64) Option {
	return func(c *config) error {
		if !(t > 0 && t <= maxTolerance) {
			return fmt.Errorf("llm: WithTolerance(%v); expected a fraction in (0, %v]", t, maxTolerance)
		}
		c.ground.Tolerance = t
		return nil
	}
}

// WithMaxRecommendations caps the Result; default 25.
func WithMaxRecommendations(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("llm: WithMaxRecommendations(%d); expected at least 1", n)
		}
		c.maxRecs = n
		return nil
	}
}

// New returns an Analyzer that asks m. provider names it in
// Result.Analyzer and in errors ("openai").
func New(provider string, m Model, opts ...Option) (*Analyzer, error) {
	if provider == "" {
		return nil, errors.New("llm: New: empty provider name; expected one such as \"openai\"")
	}
	if m == nil {
		return nil, errors.New("llm: New: nil Model")
	}
	a := &Analyzer{provider: provider, model: m, cfg: config{maxOutputTokens: 8000, temperature: 0.2, maxRecs: 25}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&a.cfg); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Name returns the provider name.
func (a *Analyzer) Name() string { return a.provider }

// Fingerprint is a stable string of everything the analyzer's results
// depend on (provider, model, prompt version, options), without secrets;
// the cache decorator keys on it.
func (a *Analyzer) Fingerprint() string {
	c := a.cfg
	h := sha256.Sum256([]byte(promptVersion + "\n" + (&facts{}).systemPrompt()))
	return strings.Join([]string{"llm", a.provider, c.modelName, c.fingerprint, "prompt:" + hex.EncodeToString(h[:8]),
		"max_prompt:" + strconv.Itoa(cmp.Or(c.prompt.MaxTokens, defaultPromptTokens)),
		"max_output:" + strconv.FormatInt(c.maxOutputTokens, 10), "temperature:" + strconv.FormatFloat(c.temperature, 'g', -1, 64),
		"tolerance:" + strconv.FormatFloat(cmp.Or(c.ground.Tolerance, defaultTolerance), 'g', -1, 64), "max_recs:" + strconv.Itoa(c.maxRecs)}, "|")
}

// promptVersion changes when the prompt or the checks change meaning.
const promptVersion = "adpilot-llm-3"

// Analyze implements [analysis.Analyzer].
func (a *Analyzer) Analyze(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", a.provider, err)
	}
	p, err := BuildPrompt(in, a.cfg.prompt)
	if err != nil {
		return nil, fmt.Errorf("llm: %s: %w", a.provider, err)
	}
	req := &Request{System: p.System, Messages: []Message{{Role: RoleUser, Text: p.User}}, SchemaName: "adpilot_analysis",
		Schema: ReplySchema(), MaxOutputTokens: a.cfg.maxOutputTokens, Temperature: a.cfg.temperature}
	usage := &analysis.TokenUsage{}
	var reply *Reply
	var model string
	for attempt := 1; ; attempt++ {
		resp, err := a.model.Complete(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			return nil, &ProviderError{Provider: a.provider, Kind: ErrUnavailable, Message: "the model returned no response"}
		}
		usage.InputTokens += resp.Usage.InputTokens
		usage.OutputTokens += resp.Usage.OutputTokens
		usage.CachedTokens += resp.Usage.CachedTokens
		usage.Calls++
		model = cmp.Or(resp.Model, model)
		r, perr := ParseReply(resp.Text)
		if perr == nil {
			reply = r
			break
		}
		if resp.Truncated {
			perr = fmt.Errorf("the reply stopped at the output limit of %d tokens: %w", a.cfg.maxOutputTokens, perr)
		}
		if attempt == 2 {
			return nil, &ReplyError{Provider: a.provider, Problem: perr.Error(), Attempts: attempt}
		}
		// One repair turn: the bad reply and what was wrong with it.
		req = &Request{System: req.System, SchemaName: req.SchemaName, Schema: req.Schema, MaxOutputTokens: req.MaxOutputTokens,
			Temperature: req.Temperature, Messages: append(req.Messages[:1:1],
				Message{Role: RoleAssistant, Text: truncate(resp.Text, 4000)},
				Message{Role: RoleUser, Text: "Your reply could not be used: " + perr.Error() + ". Reply again with the JSON object only, following the schema."})}
	}
	gr := p.facts.ground(reply, cmp.Or(a.cfg.ground.Tolerance, defaultTolerance))
	res := &analysis.Result{Analyzer: a.provider, Model: cmp.Or(model, a.cfg.modelName), Currency: p.facts.code,
		Summary: gr.Summary, Recommendations: gr.Recommendations, Dropped: gr.Dropped, Usage: usage}
	if res.Recommendations == nil {
		res.Recommendations = []analysis.Recommendation{}
	}
	if n := len(res.Recommendations); n > a.cfg.maxRecs {
		res.Recommendations = res.Recommendations[:a.cfg.maxRecs]
		res.Notes = append(res.Notes, fmt.Sprintf("%d further recommendations of lower priority left out (at most %d).", n-a.cfg.maxRecs, a.cfg.maxRecs))
	}
	if o := p.Omitted; o.Campaigns+o.AdSets+o.Ads > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("The prompt was summarised to fit %d tokens: %d campaigns, %d ad sets and %d ads (%.1f%% of the last 7 days' spend) were left out; the model saw %d campaigns, %d ad sets and %d ads.",
			cmp.Or(a.cfg.prompt.MaxTokens, defaultPromptTokens), o.Campaigns, o.AdSets, o.Ads, p.OmittedSpendShare*100, p.Entities.Campaigns, p.Entities.AdSets, p.Entities.Ads))
	}
	if n := len(gr.Dropped); n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d part(s) of the model's reply failed the checks against the data and were dropped (see Dropped).", n))
	}
	if usage.Calls > 1 {
		res.Notes = append(res.Notes, "The model's first reply was not valid JSON for the schema; the repaired reply was used.")
	}
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
