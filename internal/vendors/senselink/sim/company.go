package sim

func init() { register("GET /api/v1/company", getCompany) }

// getCompany: §6.1, camelCase as the example (NOTES 90).
func getCompany(s *Server, _ *Request) (int, any) {
	c := s.st.Company
	return codeOK, map[string]any{"id": c.ID, "name": c.Name, "logo": c.Logo, "background": c.Background,
		"welcome": c.Welcome, "introduction": c.Introduction, "contact": c.Contact,
		"createAt": date(c.CreatedAt), "updateAt": date(c.UpdatedAt), "validFrom": date(c.ValidFrom), "validTo": date(c.ValidTo),
		"createBy": 17, "threshold": c.Threshold, "language": c.Language, "serviceConfig": ""}
}
