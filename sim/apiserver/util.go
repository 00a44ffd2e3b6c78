package apiserver

import (
	"encoding/base64"
	"encoding/json"
)

type continueToken struct {
	RV    uint64 `json:"rv"`
	Start string `json:"start"`
}

func encodeContinue(t continueToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, err
	}
	return t, json.Unmarshal(b, &t)
}
