module github.com/adpilot/adpilot/examples

go 1.26.0

require github.com/adpilot/adpilot v0.0.0

replace github.com/adpilot/adpilot => ../
