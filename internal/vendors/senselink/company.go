package senselink

import (
	"context"
	"net/http"
	"time"
)

// Company is §6.1's company.
type Company struct {
	ID                                       int64
	Name, Welcome, Introduction, Contact     string
	Logo, Background                         string // image ids (NOTES 80)
	Language                                 string
	Threshold                                float64
	CreatedAt, UpdatedAt, ValidFrom, ValidTo time.Time
}

// Company reads /api/v1/company (004 §6.1). The JSON is camelCase while
// the table says create_at (NOTES 90): both are read.
func (c *Client) Company(ctx context.Context) (Company, error) {
	var d struct {
		ID           flexInt `json:"id"`
		Name         nstring `json:"name"`
		Logo         nstring `json:"logo"`
		Background   nstring `json:"background"`
		Welcome      nstring `json:"welcome"`
		Introduction nstring `json:"introduction"`
		Contact      nstring `json:"contact"`
		CreateAt     vtime   `json:"createAt"`
		CreateAt2    vtime   `json:"create_at"`
		UpdateAt     vtime   `json:"updateAt"`
		UpdateAt2    vtime   `json:"update_at"`
		ValidFrom    vtime   `json:"validFrom"`
		ValidTo      vtime   `json:"validTo"`
		Threshold    float64 `json:"threshold"`
		Language     nstring `json:"language"`
	}
	if err := c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/company", Read: true}, &d); err != nil {
		return Company{}, err
	}
	co := Company{ID: int64(d.ID), Name: string(d.Name), Logo: string(d.Logo), Background: string(d.Background),
		Welcome: string(d.Welcome), Introduction: string(d.Introduction), Contact: string(d.Contact),
		Threshold: d.Threshold, Language: string(d.Language),
		CreatedAt: c.at(first(d.CreateAt, d.CreateAt2)), UpdatedAt: c.at(first(d.UpdateAt, d.UpdateAt2)),
		ValidFrom: c.at(d.ValidFrom), ValidTo: c.at(d.ValidTo)}
	return co, nil
}

func first(a, b vtime) vtime {
	if a != "" {
		return a
	}
	return b
}
