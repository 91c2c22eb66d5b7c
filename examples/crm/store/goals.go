package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
)

// SaveGoals stores the advertiser's goals for one of the user's ad
// accounts (they come back as Account.Goals), replacing earlier ones;
// g.Currency must be the account's currency. An account the user has not
// connected gives ErrNotFound. Goals without targets, margin, priority
// or event (only the currency) mean "none set".
func (s *Store) SaveGoals(ctx context.Context, userID int64, account metaads.AccountID, g analysis.Goals) error {
	return s.WithTx(ctx, func(tx *sql.Tx) error {
		var currency string
		err := tx.QueryRowContext(ctx, `SELECT currency FROM ad_accounts WHERE user_id = $1 AND account_id = $2`, userID, account.String()).Scan(&currency)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: goals of ad account %s: %w", account, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: goals of ad account %s: %w", account, err)
		}
		if g.Currency != currency {
			return fmt.Errorf("store: goals of ad account %s are in %q; the account's currency is %s", account, g.Currency, currency)
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO account_goals (user_id, account_id, currency, target_cpa, target_roas, gross_margin, priority, conversion_event, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (user_id, account_id) DO UPDATE SET currency = excluded.currency, target_cpa = excluded.target_cpa,
				target_roas = excluded.target_roas, gross_margin = excluded.gross_margin, priority = excluded.priority,
				conversion_event = excluded.conversion_event, updated_at = excluded.updated_at`,
			userID, account.String(), g.Currency, g.TargetCPA, g.TargetROAS, g.GrossMargin, string(g.Priority), g.ConversionEvent, ms(s.now()))
		if err != nil {
			return fmt.Errorf("store: saving the goals of ad account %s: %w", account, err)
		}
		return nil
	})
}
