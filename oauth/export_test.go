package oauth

// SetRenewWaitHook makes m call f whenever a renewal waits for another
// renewal of the same user's token to finish (tests only).
func SetRenewWaitHook(m *Manager, f func(user string)) { m.renewWaitHook = f }
