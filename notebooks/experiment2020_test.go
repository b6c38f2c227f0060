package notebooks_test

// experiment2020 lists the 2020 figure notebooks converted to the experiment form (see experimentNotebooks).
var experiment2020 = map[string]bool{
	"2020-fig05": true,
	"2020-fig07": true,
	"2020-fig08": true,
	"2020-fig09": true,
	"2020-fig10": true,
	"2020-fig11": true,
	"2020-fig12": true,
	"2020-fig13": true,
	"2020-fig14": true,
	"2020-fig15": true,
	"2020-fig16": true,
	"2020-fig17": true,
	"2020-fig18": true,
	"2020-fig19": true,
	"2020-fig20": true,
	"2020-fig21": true,
	"2020-fig22": true,
	"2020-fig23": true,
	"2020-fig24": true,
	"2020-fig25": true,
	"2020-fig26": true,
	"2020-fig27": true,
	"2020-table1": true,
}
