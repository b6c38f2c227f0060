package notebooks_test

// experiment2021 lists the 2021 figure notebooks converted to the experiment form (see experimentNotebooks).
var experiment2021 = map[string]bool{
	"2021-fig05": true,
	"2021-fig06": true,
	"2021-fig07": true,
	"2021-fig04": true,
}
