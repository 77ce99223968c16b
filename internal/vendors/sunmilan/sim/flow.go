package sim

// 003 Customer Flow Statistics 1-4 (the statistics queries, 5-9, are for
// whoever adds people-flow reports: register them in a new file).
func init() {
	register("/peopleFlow/setDoorLine", authSigned, setDoorLine)
	register("/peopleFlow/getDoorLine", authSigned, getDoorLine)
	register("/peopleFlow/getConfig", authSigned, getFlowConfig)
	register("/peopleFlow/setConfig", authSigned, setFlowConfig)
}

// setDoorLine: resolution 0 (1080p, [0,1920]x[0,1080]) or 1 (720p,
// [0,1280]x[0,720]); a missing or out-of-range coordinate is 278.
func setDoorLine(c *Camera, q *Request) (int, any) {
	res, ok := intIn(q, "resolution", 0, 1)
	if !ok {
		return codeParam, nil
	}
	w, h := 1920, 1080
	if res == 1 {
		w, h = 1280, 720
	}
	sx, ok1 := intIn(q, "start_x", 0, w)
	sy, ok2 := intIn(q, "start_y", 0, h)
	ex, ok3 := intIn(q, "end_x", 0, w)
	ey, ok4 := intIn(q, "end_y", 0, h)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return codeDoorLine, nil
	}
	c.st.DoorLine = DoorLine{Resolution: res, StartX: sx, StartY: sy, EndX: ex, EndY: ey}
	return codeOK, nil
}

func getDoorLine(c *Camera, _ *Request) (int, any) {
	d := c.st.DoorLine
	return codeOK, map[string]any{"resolution": d.Resolution, "start_x": d.StartX, "start_y": d.StartY,
		"end_x": d.EndX, "end_y": d.EndY}
}

func getFlowConfig(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"facerecog_interval": c.st.FaceRecogInterval, "customer_judgemode": c.st.JudgeMode}
}

// setFlowConfig: facerecog_interval [0, 86400], customer_judgemode 0 or 1.
func setFlowConfig(c *Camera, q *Request) (int, any) {
	iv, ok1 := intIn(q, "facerecog_interval", 0, 86400)
	mode, ok2 := intIn(q, "customer_judgemode", 0, 1)
	if !ok1 || !ok2 {
		return codeParam, nil
	}
	c.st.FaceRecogInterval, c.st.JudgeMode = iv, mode
	return codeOK, nil
}
