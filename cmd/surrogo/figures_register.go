package main

// The figure packages register their figures and tables with package figures when imported.
import (
	_ "github.com/surrogo/surrogo/pkg/figures/fig2021"
	_ "github.com/surrogo/surrogo/pkg/figures/fig2023"
)
