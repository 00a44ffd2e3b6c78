package ha

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LeaderRecord is the leader-election record kept in the annotation
// control-plane.alpha.kubernetes.io/leader, in the JSON form of fabric8's
// LeaderElectionRecord that Flink's JobManagers write (reference §5.3):
//
//	{"holderIdentity":"<uuid>","leaseDuration":15.000000000,
//	 "acquireTime":"2024-11-20T10:00:00.123456Z","renewTime":"…","leaderTransitions":0}
//
// leaseDuration is seconds with nine decimals; times are UTC with microseconds.
// client-go's record differs (integer leaseDurationSeconds, second precision), so it
// is not used for the annotation.
type LeaderRecord struct {
	// HolderIdentity is the lock identity of the holder; empty after a release.
	HolderIdentity    string
	LeaseDuration     time.Duration
	AcquireTime       time.Time
	RenewTime         time.Time
	LeaderTransitions int
}

const recordTimeLayout = "2006-01-02T15:04:05.000000Z"

// Expired reports whether the record no longer protects its holder at now: it has
// no holder, or renewTime + leaseDuration lies before now.
func (r LeaderRecord) Expired(now time.Time) bool {
	return r.HolderIdentity == "" || now.After(r.RenewTime.Add(r.LeaseDuration))
}

// MarshalJSON writes the fabric8 form, fields in fabric8's order.
func (r LeaderRecord) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	holder, _ := json.Marshal(r.HolderIdentity)
	b.WriteString(`{"holderIdentity":`)
	b.Write(holder)
	b.WriteString(`,"leaseDuration":`)
	b.WriteString(formatSeconds(r.LeaseDuration))
	b.WriteString(`,"acquireTime":"`)
	b.WriteString(r.AcquireTime.UTC().Truncate(time.Microsecond).Format(recordTimeLayout))
	b.WriteString(`","renewTime":"`)
	b.WriteString(r.RenewTime.UTC().Truncate(time.Microsecond).Format(recordTimeLayout))
	b.WriteString(`","leaderTransitions":`)
	b.WriteString(strconv.Itoa(r.LeaderTransitions))
	b.WriteString(`}`)
	return b.Bytes(), nil
}

// UnmarshalJSON reads the fabric8 form. It is lenient where Java writers may differ:
// a null or absent holder is empty, leaseDuration may be a number or a numeric
// string, and times may have any RFC 3339 precision.
func (r *LeaderRecord) UnmarshalJSON(data []byte) error {
	var raw struct {
		HolderIdentity    *string         `json:"holderIdentity"`
		LeaseDuration     json.RawMessage `json:"leaseDuration"`
		AcquireTime       *string         `json:"acquireTime"`
		RenewTime         *string         `json:"renewTime"`
		LeaderTransitions *int            `json:"leaderTransitions"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("leader record is not JSON: %w", err)
	}
	var out LeaderRecord
	if raw.HolderIdentity != nil {
		out.HolderIdentity = *raw.HolderIdentity
	}
	if len(raw.LeaseDuration) > 0 && string(raw.LeaseDuration) != "null" {
		d, err := parseSeconds(strings.Trim(string(raw.LeaseDuration), `"`))
		if err != nil {
			return fmt.Errorf("leader record: leaseDuration %s: %w", raw.LeaseDuration, err)
		}
		out.LeaseDuration = d
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"acquireTime", raw.AcquireTime, &out.AcquireTime}, {"renewTime", raw.RenewTime, &out.RenewTime}} {
		if f.in == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, *f.in)
		if err != nil {
			return fmt.Errorf("leader record: %s %q is not an RFC 3339 time: %w", f.name, *f.in, err)
		}
		*f.out = t
	}
	if raw.LeaderTransitions != nil {
		out.LeaderTransitions = *raw.LeaderTransitions
	}
	*r = out
	return nil
}

// formatSeconds writes d as Jackson writes a java.time.Duration: seconds with nine
// decimals.
func formatSeconds(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%d.%09d", sign, d/time.Second, d%time.Second)
}

// parseSeconds reads "<seconds>[.<fraction>]" exactly (no float rounding).
func parseSeconds(s string) (time.Duration, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number of seconds")
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	var nanos int64
	if frac != "" {
		n, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("not a number of seconds")
		}
		nanos = n
	}
	d := time.Duration(sec)*time.Second + time.Duration(nanos)
	if neg {
		d = -d
	}
	return d, nil
}
